# Reduced from PyTorch-GAN's ESRGAN with the warm-up step removed: the warm-up branch
# backpropagates and goes round the loop with `continue`, and the next iteration clears the
# generator's gradients before any step reads them.
import torch

generator = torch.nn.Linear(4, 4)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4)
warmup_batches = 100

for i, (lr, hr) in enumerate([(torch.randn(2, 4), torch.randn(2, 4))] * 500):
    optimizer_G.zero_grad()
    loss_pixel = torch.nn.functional.l1_loss(generator(lr), hr)
    if i < warmup_batches:
        loss_pixel.backward()  # GL101
        continue
    loss_G = loss_pixel + 1e-3 * generator(lr).abs().mean()
    loss_G.backward()
    optimizer_G.step()
