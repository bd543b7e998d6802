# Reduced from a VAE-GAN script with the encoder's step removed: the loss reaches the
# encoder and the generator, both optimizers are cleared before the backward, and only the
# generator's steps. The encoder's optimizer steps nowhere else.
import torch

encoder = torch.nn.Linear(4, 2)
generator = torch.nn.Linear(2, 4)
optimizer_E = torch.optim.Adam(encoder.parameters(), lr=2e-4)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4)

for real in torch.randn(10, 8, 4):
    optimizer_E.zero_grad()
    optimizer_G.zero_grad()
    code = encoder(real)
    loss_GE = (generator(code) - real).pow(2).mean() + code.pow(2).mean()
    loss_GE.backward()  # GL101
    optimizer_G.step()
