# Reduced from diffusers' pix2pix-zero pipeline: a new leaf and a new optimizer on each
# denoising step, so no gradient survives into the next iteration.
import torch


def guide(unet, latents, timesteps, lr):
    for t in timesteps:
        x_in = latents.detach().clone()
        x_in.requires_grad = True
        opt = torch.optim.SGD([x_in], lr=lr)
        with torch.enable_grad():
            unet(x_in, t).pow(2).mean().backward()
            opt.step()
        latents = x_in.detach()
    return latents
